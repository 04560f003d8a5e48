export * from './common/access-log-bucket';
export * from './common/bucket-notifications';
export * from './common/log-group';
export * from './common/nag';
export * from './common/secure-bucket';
export * from './common/secure-key';
export * from './common/secure-vpc';
export * from './common/subnets';
