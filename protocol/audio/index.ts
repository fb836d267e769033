export * from './g711';
export * from './resampler';
