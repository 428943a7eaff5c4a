/**
 * Resolves an OCI image `User` ("", "uid", "uid:gid", "name", "name:group") to numeric ids using
 * the image's own /etc/passwd and /etc/group, as container runtimes do.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NumericUser { uid: number; gid: number }

function readColonFile(rootfs: string, path: string): string[][] {
  try {
    return readFileSync(join(rootfs, path), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

export function resolveImageUser(rootfs: string, user: string): NumericUser {
  if (!user) return { uid: 0, gid: 0 };
  const [userPart, groupPart] = user.split(':', 2) as [string, string | undefined];
  const passwd = readColonFile(rootfs, 'etc/passwd');
  let uid: number;
  let gid = 0;
  if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
    const entry = passwd.find((f) => f[2] === userPart);
    if (entry) gid = Number(entry[3]) || 0;
  } else {
    const entry = passwd.find((f) => f[0] === userPart);
    if (!entry) throw new Error(`unable to find user ${userPart}: no matching entries in passwd file`);
    uid = Number(entry[2]);
    gid = Number(entry[3]) || 0;
  }
  if (groupPart !== undefined && groupPart !== '') {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const entry = readColonFile(rootfs, 'etc/group').find((f) => f[0] === groupPart);
      if (!entry) throw new Error(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = Number(entry[2]);
    }
  }
  return { uid, gid };
}
