/**
 * A string's length in characters (Unicode code points), as the API's JSON Schemas (`maxLength`)
 * and PostgreSQL's `length()` count it. `String.length` counts UTF-16 units: an emoji is two,
 * so a name the schema and the database accept was refused at half its allowed length.
 */
export function characters(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
