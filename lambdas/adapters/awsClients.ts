/**
 * Every AWS client in one place, for local mode, the CLI, benches and tests.
 *
 * Lambda handlers do not import this file: each imports the one-client modules in `./aws/` it
 * calls, so a function's bundle loads only its own SDK clients (the cold start grows with every
 * client a bundle carries; `npm run bench:coldstart` measures it).
 */
export { type AwsEndpoints, endpointsFromEnvironment } from './aws/awsEndpoints.js';
export { documentClient } from './aws/dynamoDocumentClient.js';
export { s3Client } from './aws/s3Client.js';
export { sesClient } from './aws/sesClient.js';
export { sqsClient } from './aws/sqsClient.js';
