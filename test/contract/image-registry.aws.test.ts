import { BatchGetImageCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe } from 'vitest';
import { EcrImageRegistry } from '../../src/adapters/aws/ecr-image-registry.ts';
import { imageRegistryErrorContract } from './image-registry.contract.ts';

/**
 * ECR through the ImageRegistry error contract, with ECR scripted: BatchGetImage of a digest the
 * repository does not hold answers no image and an ImageNotFound failure, and DescribeImages of a
 * tag it does not hold ImageNotFoundException (as ECR does).
 */
const ecr = mockClient(ECRClient);
const MISSING = `sha256:${'0'.repeat(64)}`;
const MISSING_TAG = `key-${'0'.repeat(64)}`;

describe('EcrImageRegistry', () => {
  beforeEach(() => {
    ecr.reset();
    ecr.on(BatchGetImageCommand).resolves({
      images: [],
      failures: [
        {
          imageId: { imageDigest: MISSING },
          failureCode: 'ImageNotFound',
          failureReason: 'Requested image not found',
        },
      ],
    });
    ecr.on(DescribeImagesCommand).rejects(
      Object.assign(
        new Error(`The image with imageId {imageTag:'${MISSING_TAG}'} does not exist within the repository`),
        {
          name: 'ImageNotFoundException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        },
      ),
    );
  });

  imageRegistryErrorContract('EcrImageRegistry', () => ({
    registry: new EcrImageRegistry({ client: new ECRClient({ region: 'eu-west-1' }) }),
    repository: 'hello',
    missingDigest: MISSING,
    missingTag: MISSING_TAG,
  }));
});
