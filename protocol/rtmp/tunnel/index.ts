export * from './websocket-duplex';
export * from './rtmpt-duplex';
export * from './rtmpt-server';
