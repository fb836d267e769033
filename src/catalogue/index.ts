export * from './catalogue';
export * from './events';
export { makeError, makeNotification } from './make';
