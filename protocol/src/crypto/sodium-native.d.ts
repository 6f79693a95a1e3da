// Types for the few sodium-native functions Ferry calls (the package ships none).
declare module 'sodium-native' {
  export function crypto_aead_chacha20poly1305_ietf_encrypt (c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array): number
  export function crypto_aead_chacha20poly1305_ietf_decrypt (m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array): number
}
