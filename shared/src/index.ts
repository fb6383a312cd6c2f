export * from './camera';
export * from './errors';
export * from './rooms';
export * from './site';
export * from './signalling';
export * from './auth';
export * from './audit';
export * from './meeting';
