/**
 * Node's HTTP client on a connection without TLS: `servername` names the server for TLS only, but
 * left unset, Node's agent works one out for every request anyway (from the Host header, dropped
 * when it is an IP address), and its first check of an address compiles Node's IPv6 pattern:
 * ~10 ms of CPU in a module run's start, before e's first request to the engine goes out. An
 * empty one is what Node would give an IP address; on a plain connection it changes nothing else.
 */
export const PLAIN_HTTP = { servername: '' } as const;
