// Node-only pieces: TCP, and RTMPT on node:http. The WebSocket and RTMPT client duplexes are in ../tunnel
// because browsers use them too.
export * from './tcp-duplex';
export * from './rtmpt-http';
