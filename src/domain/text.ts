// What text cardrail accepts from outside: no C0 control characters other than tab, line feed and carriage return
// (PostgreSQL cannot store NUL, and none of the others belongs in a name, a description or an id), and well-formed
// UTF-16 (a lone surrogate cannot be written as UTF-8).
const controlCharacter = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why the text cannot be accepted, as the end of a sentence ("… contains the control character U+0000"), or undefined. */
export function textProblem(text: string): string | undefined {
  const match = controlCharacter.exec(text);
  if (match !== null) return `contains the control character U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  if (loneSurrogate.test(text)) return 'is not well-formed Unicode (a lone surrogate)';
  return undefined;
}
