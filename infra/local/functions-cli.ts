// A functions process of `npm start` (see functions.ts for what runs in it and processes.ts for how
// the supervisor starts and stops it). Not meant to be run by hand.
import { createConsoleLog } from './console-log.ts';
import { startFunctions, type FunctionsInfo, type FunctionsSettings } from './functions.ts';
import { runAsPart } from './processes.ts';

// As in start.ts, before any handler builds its Powertools logger and metrics (the environment is
// the supervisor's, so these are usually set already).
process.env.LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const log = createConsoleLog();
runAsPart<FunctionsSettings, FunctionsInfo>(process.env.LOCAL_PART_NAME ?? 'functions', log, (settings) => startFunctions(settings, log));
