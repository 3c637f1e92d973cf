import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

/**
 * fauxqs takes at most 11 MiB in one request (its Fastify body limit), while SES accepts messages
 * of up to 40 MB. Larger raw mail goes up as a multipart upload of parts this size (S3's minimum
 * part is 5 MiB), so local mode accepts what SES accepts. In AWS, SES's S3 action writes the
 * object and the raw mail never passes through a gateway.
 */
export const RAW_UPLOAD_PART_BYTES = 8 * 1024 * 1024;

/** Puts the raw original of an inbound message, in parts when it is larger than one part. */
export async function putRawObject(
  client: S3Client,
  bucket: string,
  key: string,
  body: Uint8Array,
): Promise<void> {
  if (body.length <= RAW_UPLOAD_PART_BYTES) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    return;
  }
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  if (!UploadId) throw new Error(`S3 returned no upload id for ${key}`);
  try {
    const parts: { PartNumber: number; ETag: string }[] = [];
    for (
      let offset = 0, partNumber = 1;
      offset < body.length;
      offset += RAW_UPLOAD_PART_BYTES, partNumber++
    ) {
      const { ETag } = await client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          PartNumber: partNumber,
          Body: body.subarray(offset, offset + RAW_UPLOAD_PART_BYTES),
        }),
      );
      if (!ETag) throw new Error(`S3 returned no ETag for part ${partNumber} of ${key}`);
      parts.push({ PartNumber: partNumber, ETag });
    }
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  } catch (error) {
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }))
      .catch(() => undefined); // the upload's own failure is the one to report
    throw error;
  }
}
