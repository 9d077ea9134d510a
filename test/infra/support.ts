// Helpers for template assertions: find a function by its construct id, and collect exactly the
// IAM statements its execution role holds.
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { Validations } from 'aws-cdk-lib';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

export function resources(template: Template): Resources {
  return template.toJSON().Resources as Resources;
}

export function logicalIdOf(template: Template, type: string, idFragment: string): string {
  const matches = Object.entries(resources(template)).filter(([id, r]) => r.Type === type && id.includes(idFragment));
  if (matches.length !== 1) throw new Error(`expected one ${type} matching ${idFragment}, found ${matches.map(([id]) => id).join(', ') || 'none'}`);
  return matches[0]![0];
}

export interface SimpleStatement {
  readonly sid?: string;
  readonly actions: string[];
  readonly resources: unknown[];
  readonly conditions?: Record<string, unknown>;
}

/** Every statement of every policy attached to the role of the function whose logical id contains `fnId`. */
export function roleStatements(template: Template, fnId: string): SimpleStatement[] {
  const all = resources(template);
  const fnLogicalId = logicalIdOf(template, 'AWS::Lambda::Function', fnId);
  const role = (all[fnLogicalId]!.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const statements: SimpleStatement[] = [];
  for (const r of Object.values(all)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    const roles = (r.Properties!.Roles as { Ref: string }[]).map((x) => x.Ref);
    if (!roles.includes(role)) continue;
    const doc = r.Properties!.PolicyDocument as { Statement: { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> }[] };
    for (const s of doc.Statement) {
      statements.push({
        ...(s.Sid ? { sid: s.Sid } : {}),
        actions: ([] as string[]).concat(s.Action).sort(),
        resources: ([] as unknown[]).concat(s.Resource),
        ...(s.Condition ? { conditions: s.Condition } : {}),
      });
    }
  }
  return statements;
}

export function allActions(statements: SimpleStatement[]): string[] {
  return [...new Set(statements.flatMap((s) => s.actions))].sort();
}

/** Every cdk-nag acknowledgement in the tree, with the construct path it sits on. */
export function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  for (const node of root.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [key, value] of Object.entries(entry.data as Record<string, unknown>)) {
        const id = key.replace(/^annotation::/i, '');
        const reason = typeof value === 'string' ? value : String((value as { reason?: unknown })?.reason ?? '');
        out.push({ path: node.node.path, id, reason });
      }
    }
  }
  return out;
}
