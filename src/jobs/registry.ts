import type { TaskDefinition } from './define.ts';

/** The tasks a process knows, by name. Dispatch validates against it; the worker runs from it. */
export class TaskRegistry {
  private readonly byName = new Map<string, TaskDefinition>();

  constructor(definitions: readonly TaskDefinition[]) {
    for (const definition of definitions) {
      if (this.byName.has(definition.name)) throw new Error(`task ${definition.name} is defined twice`);
      this.byName.set(definition.name, definition);
    }
  }

  get(name: string): TaskDefinition | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  all(): TaskDefinition[] {
    return [...this.byName.values()];
  }

  /** A registry with extra definitions (tests and embedders add their own tasks). */
  with(definitions: readonly TaskDefinition[]): TaskRegistry {
    return new TaskRegistry([...this.byName.values(), ...definitions]);
  }
}
