/** Runs a short helper command (ip, iptables) and returns its stdout; rejects with its stderr. */
import { spawn } from 'node:child_process';

export function runCommand(file: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => { out += d; });
    child.stderr!.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${file} ${args.join(' ')}: ${err.trim() || `exit code ${code}`}`));
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}
