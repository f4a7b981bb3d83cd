// Request and response frames: one ArrayBuffer each way, a msgpackr head and the raw body after
// it, so a request and its response each cross the thread boundary as one transferred buffer.

import { Packr } from 'msgpackr';

import type { GuestRequest } from './guest-types.js';

const packr = new Packr({ useRecords: false, moreTypes: false });
/** u32 head length, then u32 sequence number that pairs a response with its request. */
const PREFIX_BYTES = 8;

/** Head fields of a request, in frame order. The body follows the head. */
export type RequestHead = [
  appKey: number, method: string, url: string, query: string, pathInfo: string,
  scriptName: string, headers: string[], remoteAddr: string, scheme: string, authority: string,
  serverName: string, serverPort: string, requestId: string,
];

/** status, flat headers, error code (or ''), error message (or ''). */
export type ResponseHead = [status: number, headers: string[], code: string, message: string];

/** Lays a head and a body into a fresh buffer that can be transferred. */
export function encodeFrame(head: unknown[], bodyLength: number): { frame: Uint8Array;
  bodyOffset: number } {
  const packed = packr.pack(head);
  const bodyOffset = PREFIX_BYTES + packed.length;
  const frame = new Uint8Array(bodyOffset + bodyLength);
  new DataView(frame.buffer).setUint32(0, packed.length, true);
  frame.set(packed, PREFIX_BYTES);
  return { frame, bodyOffset };
}

export function encodeFrameWithBody(head: unknown[], body: Uint8Array): Uint8Array {
  const { frame, bodyOffset } = encodeFrame(head, body.length);
  frame.set(body, bodyOffset);
  return frame;
}

export function decodeHead<T>(frame: Uint8Array): T {
  const len = u32(frame, 0);
  return packr.unpack(frame.subarray(PREFIX_BYTES, PREFIX_BYTES + len)) as T;
}

export function frameBody(frame: Uint8Array): Uint8Array {
  return frame.subarray(PREFIX_BYTES + u32(frame, 0));
}

export function frameSeq(frame: Uint8Array): number {
  return u32(frame, 4);
}

export function setFrameSeq(frame: Uint8Array, seq: number): void {
  frame[4] = seq & 0xff;
  frame[5] = (seq >>> 8) & 0xff;
  frame[6] = (seq >>> 16) & 0xff;
  frame[7] = (seq >>> 24) & 0xff;
}

function u32(frame: Uint8Array, at: number): number {
  return ((frame[at] as number) | ((frame[at + 1] as number) << 8) |
    ((frame[at + 2] as number) << 16) | ((frame[at + 3] as number) << 24)) >>> 0;
}

export function toGuestRequest(head: RequestHead, body: Uint8Array): GuestRequest {
  return {
    method: head[1], url: head[2], query: head[3], pathInfo: head[4], scriptName: head[5],
    headers: head[6], remoteAddr: head[7], scheme: head[8], authority: head[9],
    serverName: head[10], serverPort: head[11], requestId: head[12], body,
  };
}
