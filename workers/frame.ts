// Request and response frames: one ArrayBuffer each way, a msgpackr head and the raw body after
// it, so a request and its response each cross the thread boundary as one transferred buffer.

import { Packr } from 'msgpackr';

import type { GuestRequest } from './guest-types.js';

const packr = new Packr({ useRecords: false, moreTypes: false });
const HEAD_LEN_BYTES = 4;

/** Head fields of a request, in frame order. The body follows the head. */
export type RequestHead = [
  appKey: number, method: string, url: string, query: string, pathInfo: string,
  scriptName: string, headers: string[], remoteAddr: string, scheme: string, authority: string,
  serverName: string, serverPort: string, requestId: string, slot: number,
];

/** status, flat headers, error code (or ''), error message (or ''). */
export type ResponseHead = [status: number, headers: string[], code: string, message: string];

/** Lays a head and a body into a fresh buffer that can be transferred. */
export function encodeFrame(head: unknown[], bodyLength: number): { frame: Uint8Array;
  bodyOffset: number } {
  const packed = packr.pack(head);
  const bodyOffset = HEAD_LEN_BYTES + packed.length;
  const frame = new Uint8Array(bodyOffset + bodyLength);
  new DataView(frame.buffer).setUint32(0, packed.length);
  frame.set(packed, HEAD_LEN_BYTES);
  return { frame, bodyOffset };
}

export function encodeFrameWithBody(head: unknown[], body: Uint8Array): Uint8Array {
  const { frame, bodyOffset } = encodeFrame(head, body.length);
  frame.set(body, bodyOffset);
  return frame;
}

export function decodeHead<T>(frame: Uint8Array): T {
  const len = new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0);
  return packr.unpack(frame.subarray(HEAD_LEN_BYTES, HEAD_LEN_BYTES + len)) as T;
}

export function frameBody(frame: Uint8Array): Uint8Array {
  const len = new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0);
  return frame.subarray(HEAD_LEN_BYTES + len);
}

export function toGuestRequest(head: RequestHead, body: Uint8Array): GuestRequest {
  return {
    method: head[1], url: head[2], query: head[3], pathInfo: head[4], scriptName: head[5],
    headers: head[6], remoteAddr: head[7], scheme: head[8], authority: head[9],
    serverName: head[10], serverPort: head[11], requestId: head[12], body,
  };
}
