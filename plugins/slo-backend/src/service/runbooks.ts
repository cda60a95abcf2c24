import fs from 'node:fs/promises';
import path from 'node:path';
import { InputError, NotFoundError } from '@backstage/errors';

const NAME = /^[a-z0-9][a-z0-9-]{0,80}$/;

export interface Runbook {
  name: string;
  title: string;
  markdown: string;
}

/**
 * Serves `<name>.md` from one directory. Names are checked against a strict pattern and the
 * file must be a listed regular file of that directory, so no path can leave it.
 */
export class RunbookLibrary {
  constructor(private readonly directory: string | undefined) {}

  async list(): Promise<Array<{ name: string; title: string }>> {
    if (!this.directory) return [];
    const names = (await fs.readdir(this.directory))
      .filter(n => n.endsWith('.md'))
      .map(n => n.slice(0, -3))
      .filter(n => NAME.test(n))
      .sort();
    return Promise.all(
      names.map(async name => ({
        name,
        title: (await this.get(name)).title,
      })),
    );
  }

  async get(name: string): Promise<Runbook> {
    if (!NAME.test(name)) {
      throw new InputError(
        'name: must be lower-case letters, digits and dashes (a file in docs/runbooks)',
      );
    }
    if (!this.directory) {
      throw new NotFoundError(
        'No runbook directory configured (slo.runbooksDirectory)',
      );
    }
    const entries = await fs.readdir(this.directory, { withFileTypes: true });
    const entry = entries.find(e => e.name === `${name}.md` && e.isFile());
    if (!entry) throw new NotFoundError(`No runbook named ${name}`);
    const markdown = await fs.readFile(
      path.join(this.directory, entry.name),
      'utf8',
    );
    const heading = /^#\s+(.+)$/m.exec(markdown);
    return { name, title: heading ? heading[1].trim() : name, markdown };
  }
}
