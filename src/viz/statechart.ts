import type { AnyStateMachine } from 'xstate';

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly event: string;
  readonly guard: string | undefined;
  /** The event is taken as nothing: no target, no actions (e.g. a guarded "ignore" before a refusal). */
  readonly nothing: boolean;
}

interface NodeLike {
  key: string;
  type: string;
  states: Record<string, NodeLike>;
  transitions: Map<
    string,
    { target?: readonly { key: string }[]; guard?: { type?: string } | string; actions: readonly unknown[] }[]
  >;
  initial?: { target: readonly { key: string }[] };
}

/** Every transition of a flat machine's top-level states, with guards (the root's wildcard listed on its own). */
export function edgesOf(machine: AnyStateMachine): Edge[] {
  const root = machine.root as unknown as NodeLike;
  const edges: Edge[] = [];
  const visit = (n: NodeLike, name: string): void => {
    for (const [event, ts] of n.transitions) {
      for (const t of ts) {
        const guard = typeof t.guard === 'string' ? t.guard : t.guard?.type;
        for (const target of t.target ?? [])
          edges.push({ from: name, to: target.key, event, guard, nothing: false });
        if (!t.target || t.target.length === 0)
          edges.push({ from: name, to: name, event, guard, nothing: t.actions.length === 0 });
      }
    }
  };
  visit(root, '(any)');
  for (const [key, n] of Object.entries(root.states)) visit(n, key);
  return edges;
}

/**
 * Mermaid `stateDiagram-v2` text for a machine: paste into any Mermaid renderer, or a Markdown file. Handlers on
 * the machine itself (not on a state) are drawn as self-loops of a single state named after the machine when it
 * has no states (the OMS), and listed in a note ("in every state: …") when it has; a root wildcard (`*`) is the
 * "any other event → refused" note. Events taken as nothing (a transition with no target and no actions, wherever it
 * is) are not drawn: they are listed once, by guard, in a note ("taken as nothing when [guard]: …"; a wildcard's as
 * "any other event").
 */
export function toMermaid(machine: AnyStateMachine): string {
  const root = machine.root as unknown as NodeLike;
  const lines = ['stateDiagram-v2'];
  const stateless = Object.keys(root.states).length === 0;
  const self = machine.id;
  const initial = stateless ? self : root.initial?.target[0]?.key;
  if (initial) lines.push(`  [*] --> ${initial}`);
  const seen = new Set<string>();
  const label = (e: Edge): string =>
    `${e.event.replace(/^xstate\.after\.([^.]+).*$/, 'after $1')}${e.guard ? ` [${e.guard}]` : ''}`;
  const everywhere: string[] = [];
  /** Events taken as nothing, by guard ('' for none), in the order met; a wildcard's last. */
  const nothing = new Map<string, { events: string[]; any: boolean }>();
  let wildcard = false;
  for (const e of edgesOf(machine)) {
    if (e.nothing) {
      const key = e.guard ?? '';
      let g = nothing.get(key);
      if (!g) nothing.set(key, (g = { events: [], any: false }));
      if (e.event === '*') g.any = true;
      else if (!g.events.includes(e.event)) g.events.push(e.event);
      continue;
    }
    if (e.from === '(any)') {
      if (e.event === '*') wildcard = true;
      else if (stateless) {
        const line = `  ${self} --> ${self}: ${label(e)}`;
        if (!seen.has(line)) {
          seen.add(line);
          lines.push(line);
        }
      } else if (!everywhere.includes(e.event)) everywhere.push(e.event);
      continue;
    }
    const line = `  ${e.from} --> ${e.to}: ${label(e)}`;
    if (!seen.has(line)) {
      seen.add(line);
      lines.push(line);
    }
  }
  for (const [key, n] of Object.entries(root.states)) if (n.type === 'final') lines.push(`  ${key} --> [*]`);
  const anchor = initial ?? self;
  if (everywhere.length > 0) lines.push(`  note left of ${anchor}: in every state: ${everywhere.join(', ')}`);
  for (const [guard, g] of nothing) {
    const events = g.any ? [...g.events, 'any other event'] : g.events;
    lines.push(
      `  note left of ${anchor}: taken as nothing${guard ? ` when [${guard}]` : ''}: ${events.join(', ')}`
    );
  }
  if (wildcard) lines.push(`  note right of ${anchor}: any other event → refused (typed error)`);
  return `${lines.join('\n')}\n`;
}
