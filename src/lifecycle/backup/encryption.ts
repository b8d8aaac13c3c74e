import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../errors.ts';
import { type FileDigest, READ_CHUNK_BYTES, syncFile } from './files.ts';

/**
 * Encrypted backup file, AES-256-GCM over the whole dump:
 *
 *   magic "TNTRYBAK" (8) | version 0x01 (1) | key id (8) | IV (12) | ciphertext | GCM tag (16)
 *
 * The 29-byte header is authenticated as additional data, so no byte of the file can change
 * unnoticed. The key id (a hash of the key, not the key) tells a wrong key apart from a
 * damaged file before any decryption. A fresh random IV per file keeps one key safe for far
 * more backups than a deployment will ever take.
 */
const MAGIC = Buffer.from('TNTRYBAK', 'ascii');
const VERSION = 1;
const KEY_ID_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const HEADER_BYTES = MAGIC.length + 1 + KEY_ID_BYTES + IV_BYTES;
/** GCM's limit for one message: 2^39 - 256 bits. */
const MAX_PLAINTEXT_BYTES = 2 ** 36 - 32;

export function keyId(key: Buffer): Buffer {
  return createHash('sha256')
    .update('tenantry backup key id\0')
    .update(key)
    .digest()
    .subarray(0, KEY_ID_BYTES);
}

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new Error('the backup encryption key must be 32 bytes');
}

/** Encrypts `source` into a new file `target` (never overwritten); returns the digest of `target`. */
export async function encryptFile(source: string, target: string, key: Buffer): Promise<FileDigest> {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const header = Buffer.concat([MAGIC, Buffer.from([VERSION]), keyId(key), iv]);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(header);
  const hash = createHash('sha256');
  let sizeBytes = 0;
  let plainBytes = 0;
  const emit = (chunk: Buffer) => {
    hash.update(chunk);
    sizeBytes += chunk.length;
    return chunk;
  };
  await pipeline(
    createReadStream(source, { highWaterMark: READ_CHUNK_BYTES }),
    async function* (plain: AsyncIterable<Buffer>) {
      yield emit(header);
      for await (const chunk of plain) {
        plainBytes += chunk.length;
        if (plainBytes > MAX_PLAINTEXT_BYTES) throw new Error('dump too large for one AES-GCM message');
        yield emit(cipher.update(chunk));
      }
      yield emit(cipher.final());
      yield emit(cipher.getAuthTag());
    },
    createWriteStream(target, { flags: 'wx', mode: 0o600 }),
  );
  await syncFile(target);
  return { sha256: hash.digest('hex'), sizeBytes };
}

const unreadable = (label: string, reason: string, message: string) =>
  new AppError('unprocessable', `backup ${label} ${message}`, { reason });

/**
 * Decrypts `source` into a new file `target`. Resolves only once the GCM tag has been
 * checked; until then `target` holds unauthenticated bytes and the caller must discard it
 * on any error.
 */
export async function decryptFile(source: string, target: string, key: Buffer, label: string): Promise<void> {
  checkKey(key);
  const handle = await open(source, 'r');
  let header: Buffer;
  let tag: Buffer;
  let size: number;
  try {
    size = (await handle.stat()).size;
    if (size <= HEADER_BYTES + TAG_BYTES) {
      throw unreadable(label, 'not_encrypted_backup', 'is too short to be an encrypted backup');
    }
    header = Buffer.alloc(HEADER_BYTES);
    tag = Buffer.alloc(TAG_BYTES);
    await handle.read(header, 0, HEADER_BYTES, 0);
    await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await handle.close();
  }
  if (!header.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw unreadable(label, 'not_encrypted_backup', 'is not an encrypted Tenantry backup');
  }
  if (header[MAGIC.length] !== VERSION) {
    throw unreadable(label, 'unsupported_format', `uses encryption format ${header[MAGIC.length]}`);
  }
  const fileKeyId = header.subarray(MAGIC.length + 1, MAGIC.length + 1 + KEY_ID_BYTES);
  if (!fileKeyId.equals(keyId(key))) {
    throw unreadable(
      label,
      'wrong_key',
      `was encrypted with another key (key id ${fileKeyId.toString('hex')}, configured ${keyId(key).toString('hex')})`,
    );
  }
  const decipher = createDecipheriv('aes-256-gcm', key, header.subarray(HEADER_BYTES - IV_BYTES));
  decipher.setAAD(header);
  decipher.setAuthTag(tag);
  await pipeline(
    createReadStream(source, {
      start: HEADER_BYTES,
      end: size - TAG_BYTES - 1,
      highWaterMark: READ_CHUNK_BYTES,
    }),
    async function* (sealed: AsyncIterable<Buffer>) {
      for await (const chunk of sealed) yield decipher.update(chunk);
      let last: Buffer;
      try {
        last = decipher.final();
      } catch {
        throw unreadable(label, 'authentication_failed', 'failed authentication: it was modified or damaged');
      }
      yield last;
    },
    createWriteStream(target, { flags: 'wx', mode: 0o600 }),
  );
}
