/** What {@link xmlAttribute} replaces: most values hold none of it and are returned as they are. */
const SPECIAL = /[&<>"]/;

/** `text` as an XML attribute value in double quotes: `&`, `<`, `>` and `"` written as entities. */
export function xmlAttribute(text: string): string {
  if (!SPECIAL.test(text)) return text;
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `text` cut to `limit` characters (an ellipsis marks the cut): what a reported reason or path may take. */
export function bounded(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** A ROM's text without the NULs that pad its dataspace. */
export function romText(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
  return text.slice(0, end);
}
