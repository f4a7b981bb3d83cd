// Deny stubs for the WASI interfaces that no manifest grant serves (sockets, runtime config), and
// for key-value stores when the app has no `key_value` grant. Each call fails with the
// interface's own error value, so a guest sees a normal "not allowed" and can answer with it.
// Resources such as sockets are never handed out; their classes exist because the glue checks
// resource types against them.

import type { IoError } from './io-host.js';

/** wasi:sockets error-code is an enum, which the glue represents as its case name. */
const SOCKET_ACCESS_DENIED = 'access-denied';
/** wasi:keyvalue error is a variant. */
const STORE_ACCESS_DENIED = Object.freeze({ tag: 'access-denied' });

class Network {}
class TcpSocket {}
class UdpSocket {}
class IncomingDatagramStream {}
class OutgoingDatagramStream {}
class ResolveAddressStream {}

function denySocket(): never {
  throw SOCKET_ACCESS_DENIED;
}

/** A guest gets a network handle, but every socket and name lookup on it is denied. */
function sockets(): Record<string, object> {
  return {
    'wasi:sockets/network': { Network, networkErrorCode: (_err: IoError) => undefined },
    'wasi:sockets/instance-network': { instanceNetwork: () => new Network() },
    'wasi:sockets/tcp': { TcpSocket },
    'wasi:sockets/tcp-create-socket': { createTcpSocket: denySocket },
    'wasi:sockets/udp': { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
    'wasi:sockets/udp-create-socket': { createUdpSocket: denySocket },
    'wasi:sockets/ip-name-lookup': { ResolveAddressStream, resolveAddresses: denySocket },
  };
}

class Bucket {}

function denyStore(): never {
  throw STORE_ACCESS_DENIED;
}

/** Without a `key_value` grant, opening any store is denied. */
export function denyKeyValue(): Record<string, object> {
  return {
    'wasi:keyvalue/store': { Bucket, open: denyStore },
    'wasi:keyvalue/atomics': { increment: denyStore },
    'wasi:keyvalue/batch': { getMany: denyStore, setMany: denyStore, deleteMany: denyStore },
  };
}

/** The app has no runtime configuration: every key is absent. */
function config(): Record<string, object> {
  return {
    'wasi:config/store': { get: (_key: string) => undefined, getAll: () => [] },
  };
}

export function denyInterfaces(): Record<string, object> {
  return { ...sockets(), ...config() };
}
