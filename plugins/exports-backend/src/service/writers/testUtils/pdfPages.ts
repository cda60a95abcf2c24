import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// pdf-parse (pdf.js) loads its worker with a dynamic import, which jest's VM refuses: it runs
// in a plain Node process instead.
const READ_PAGES = `
const { PDFParse } = require(process.argv[2]);
const parser = new PDFParse({ data: new Uint8Array(require('fs').readFileSync(process.argv[1])) });
parser.getText().then(r => { process.stdout.write(JSON.stringify(r.pages.map(p => p.text))); return parser.destroy(); });
`;

/** The text of each page of the PDF file at `path`, read back with pdf-parse. */
export async function pdfPages(path: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['-e', READ_PAGES, path, require.resolve('pdf-parse')],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  return JSON.parse(stdout);
}
