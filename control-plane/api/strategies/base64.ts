// Base64 without Node's Buffer (the Worker runs without nodejs_compat): Secret stringData is stored
// as base64 in data, and the size limits count decoded bytes.

const encoder = new TextEncoder();

/** The standard base64 of a string's UTF-8 bytes. */
export function base64OfText(text: string): string {
  const bytes = encoder.encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** How many bytes a standard base64 string decodes to. */
export function decodedLength(b64: string): number {
  const padding = b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - padding;
}

/** The bytes a base64 string holds, as text (for the JSON checks on docker config secrets). */
export function textOfBase64(b64: string): string {
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}
