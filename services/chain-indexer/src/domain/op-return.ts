/**
 * The message of an output, decoded the way FluxOS does (explorerService.decodeMessage): take the
 * text after "OP_RETURN " in the script's asm, read it as hex two characters at a time, stop at the
 * first "00" byte, map each byte to the character with that code. Non-OP_RETURN scripts give "".
 */
export function decodeOpReturnMessage(asm: string): string {
  const hex = asm.split('OP_RETURN ', 2)[1];
  if (!hex) return '';
  let message = '';
  for (let k = 0; k < hex.length; k += 2) {
    const pair = hex.slice(k, k + 2);
    if (pair === '00') break;
    message += String.fromCharCode(parseInt(pair, 16));
  }
  return message;
}
