/** The fixed parts of an XLSX package (SpreadsheetML) around the streamed sheets. */

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS =
  'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL_NS =
  'http://schemas.openxmlformats.org/package/2006/relationships';

/** Cell styles (indexes into cellXfs of `stylesXml`). */
export const STYLE_DATE = 1;
export const STYLE_HEADER = 2;

export function sheetPath(n: number): string {
  return `xl/worksheets/sheet${n}.xml`;
}

export function sheetStart(columnWidths: (number | undefined)[]): string {
  const cols = columnWidths
    .map((w, i) =>
      w
        ? `<col min="${i + 1}" max="${i + 1}" width="${w}" customWidth="1"/>`
        : '',
    )
    .join('');
  return `${XML_HEAD}<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>${
    cols ? `<cols>${cols}</cols>` : ''
  }<sheetData>`;
}

export const SHEET_END = '</sheetData></worksheet>';

export function contentTypesXml(sheets: number, sharedStrings = false): string {
  let overrides = '';
  for (let n = 1; n <= sheets; n++) {
    overrides += `<Override PartName="/${sheetPath(
      n,
    )}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`;
  }
  if (sharedStrings) {
    overrides += `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`;
  }
  return `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>${overrides}</Types>`;
}

export const ROOT_RELS_XML = `${XML_HEAD}<Relationships xmlns="${PKG_REL_NS}"><Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`;

export function sheetName(n: number): string {
  return n === 1 ? 'Export' : `Export (${n})`;
}

export function workbookXml(sheets: number): string {
  let list = '';
  for (let n = 1; n <= sheets; n++) {
    list += `<sheet name="${sheetName(n)}" sheetId="${n}" r:id="rId${n}"/>`;
  }
  return `${XML_HEAD}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheets>${list}</sheets></workbook>`;
}

export function workbookRelsXml(sheets: number, sharedStrings = false): string {
  let rels = '';
  for (let n = 1; n <= sheets; n++) {
    rels += `<Relationship Id="rId${n}" Type="${REL_NS}/worksheet" Target="worksheets/sheet${n}.xml"/>`;
  }
  rels += `<Relationship Id="rId${
    sheets + 1
  }" Type="${REL_NS}/styles" Target="styles.xml"/>`;
  if (sharedStrings) {
    rels += `<Relationship Id="rId${
      sheets + 2
    }" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/>`;
  }
  return `${XML_HEAD}<Relationships xmlns="${PKG_REL_NS}">${rels}</Relationships>`;
}

/** The shared strings table: `strings` maps each text to its index (insertion order). */
export function sharedStringsXml(strings: Map<string, number>): string {
  let items = '';
  for (const text of strings.keys()) {
    items += `<si><t xml:space="preserve">${escapeXmlText(text)}</t></si>`;
  }
  return `${XML_HEAD}<sst xmlns="${MAIN_NS}" uniqueCount="${strings.size}">${items}</sst>`;
}

export const STYLES_XML = `${XML_HEAD}<styleSheet xmlns="${MAIN_NS}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`;

/** A1-style column letters: 0 → A, 25 → Z, 26 → AA. */
export function columnLetters(index: number): string {
  let n = index + 1;
  let letters = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    letters = String.fromCharCode(65 + r) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

// Characters XML 1.0 cannot hold are written as Excel's _xHHHH_ escapes.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[&<>\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
// eslint-disable-next-line no-control-regex
const ESCAPED = /[&<>\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export function escapeXmlText(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(ESCAPED, c => {
    if (c === '&') return '&amp;';
    if (c === '<') return '&lt;';
    if (c === '>') return '&gt;';
    return `_x${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}_`;
  });
}

const MS_PER_DAY = 86_400_000;
/** Days from Excel's 1900 epoch (with its leap-year quirk) to 1970-01-01. */
const EXCEL_UNIX_EPOCH_DAYS = 25569;

/** A Date as an Excel serial date (UTC). */
export function excelSerial(date: Date): number {
  return date.getTime() / MS_PER_DAY + EXCEL_UNIX_EPOCH_DAYS;
}
