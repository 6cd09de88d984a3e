import { isJsonObject, type JsonObject, type JsonValue, parseJson } from '@os/iothub';
import type { AttachedRomDataspace } from '@os/runtime';

/**
 * One member of `properties.reported.dynamic` the twin keeps in step with a ROM: `deploy` from `deploy_state`,
 * `telemetry` from the edge hub's `telemetry_state`. Holds what the hub has (the baseline), the ROM's latest JSON
 * object, and a text the hub refused (400), which is not sent again until the ROM changes.
 */
export class ReportedSection {
  /** The member of `dynamic` this section is. */
  readonly property: string;
  /** The ROM the state comes from. */
  readonly rom: AttachedRomDataspace;
  /** The ROM's name, for LOG lines. */
  readonly romName: string;
  /** What the hub holds at `properties.reported.dynamic.<property>`, as far as this client knows. */
  baseline: JsonValue | undefined;
  /** The latest state the ROM holds. */
  state: JsonObject | undefined;
  /** The state's text the hub refused (400). */
  refused: string | undefined;
  #text: string | null = null;

  constructor(property: string, romName: string, rom: AttachedRomDataspace) {
    this.property = property;
    this.romName = romName;
    this.rom = rom;
  }

  /**
   * Reads the ROM again: answers whether the state changed, or the reason it is not reported (no JSON object). An
   * invalid ROM (nothing reported yet) changes nothing.
   */
  async update(): Promise<boolean | string> {
    await this.rom.update();
    if (!this.rom.valid()) return false;
    const text = this.rom.text();
    if (text === this.#text) return false;
    this.#text = text;
    const state = parseJson(text);
    if (!isJsonObject(state)) return `${this.romName} is no JSON object (${text.slice(0, 60)}); it is not reported`;
    this.state = state;
    return true;
  }
}
