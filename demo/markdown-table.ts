// A suite's Markdown table (bench/measure.ts markdownTable: a header row, a rule, one row per line, `\|`
// escapes, **bold**) as an HTML table, so the page shows the same table the Markdown report has.
import { el } from './dom.ts';

function cells(line: string): string[] {
  // Split on unescaped pipes, then drop the empty cells before the first and after the last pipe.
  return line.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

function cell(tag: 'th' | 'td', text: string): HTMLElement {
  const bold = /^\*\*(.*)\*\*$/.exec(text);
  const node = el(tag, tag === 'th' ? { attrs: { scope: 'col' } } : {});
  node.append(bold ? el('strong', { text: bold[1] }) : text);
  return node;
}

export function markdownTableToHtml(markdown: string): HTMLTableElement {
  const lines = markdown.split('\n').filter((l) => l.trim().startsWith('|'));
  if (lines.length < 2) throw new Error('the suite returned no Markdown table');
  const [head, , ...rows] = lines;
  return el('table', { class: 'data' }, [
    el('thead', {}, [el('tr', {}, cells(head).map((c) => cell('th', c)))]),
    el('tbody', {}, rows.map((r) => el('tr', {}, cells(r).map((c) => cell('td', c))))),
  ]);
}
