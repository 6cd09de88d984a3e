export { numberOfBytes } from '@os/runtime';

/**
 * `text` as it fits a Genode `String<capacity>`: at most `capacity - 1` characters, as the
 * terminating zero takes the last place.
 */
export function boundedString(text: string, capacity: number): string {
  return text.length < capacity ? text : text.slice(0, capacity - 1);
}
