/** A ROM's text without the NULs that pad its dataspace. */
export function romText(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
  return text.slice(0, end);
}
