// Test-wide environment: keep Powertools' EMF metric lines out of the test output.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
