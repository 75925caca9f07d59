// What commands may do to the outside world; main.ts owns the exit code.
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Records the exit code; main() returns it once the command finished. */
  exit(code: number): void;
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
