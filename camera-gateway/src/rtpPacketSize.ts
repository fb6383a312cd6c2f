/**
 * The largest RTP packet the gateway sends the SFU (RTP_MAX_PACKET_BYTES). mediasoup forwards
 * packets as they are, so this is also what reaches browsers, plus ~40 bytes (header
 * extensions, SRTP tag): 1400 keeps an IPv4 or IPv6 packet under a 1500-byte Ethernet MTU and
 * lets the common camera packet (GStreamer's and many cameras' 1400) through whole; cutting
 * it to 1200 doubled the relay's UDP sends, its main cost (docs/media.md). A township reached
 * through a tunnel with a smaller MTU sets 1200. 1400 is also the most: more, with IPv6
 * and RTX, would pass 1500 bytes.
 */
export const DEFAULT_RTP_MAX_PACKET_BYTES = 1400;
export const MIN_RTP_MAX_PACKET_BYTES = 600;
export const MAX_RTP_MAX_PACKET_BYTES = 1400;
