export {
  startLocalS3,
  type LocalS3,
  type LocalS3Options,
  type ObjectCreatedEvent,
  type ObjectCreatedListener,
} from './local-s3.ts';
