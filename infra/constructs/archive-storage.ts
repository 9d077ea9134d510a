// Where the archive lives: the recordings bucket (plus its access-log bucket) and the index table.
// The table is built from shared/archive/table-design.ts, the same design the local stack and the
// repositories use, so key names and indexes cannot drift between AWS and a laptop.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ARCHIVE_INDEXES, TABLE_PARTITION_KEY, TABLE_SORT_KEY, TTL_ATTRIBUTE } from '../../shared/archive/table-design.ts';

export interface ColdStorageOptions {
  /** Age of a recording (since it was archived) at which it moves. */
  readonly transitionAfter: Duration;
  /**
   * Glacier Instant Retrieval by default because the archive API hands out presigned links that
   * must work immediately; Flexible Retrieval / Deep Archive would need a restore first.
   * @default s3.StorageClass.GLACIER_INSTANT_RETRIEVAL
   */
  readonly storageClass?: s3.StorageClass;
}

/**
 * S3 Object Lock on the recordings bucket: every object version is locked for `days` from when it
 * is written (the bucket's default retention), in GOVERNANCE mode (principals with
 * s3:BypassGovernanceRetention may still delete) or COMPLIANCE mode (nobody can, not even the root
 * user, until the days have passed). Object Lock can only be enabled on a new bucket.
 */
export interface ObjectLockOptions {
  readonly mode: 'GOVERNANCE' | 'COMPLIANCE';
  readonly days: number;
}

export interface ArchiveStorageProps {
  /** @default - no Object Lock */
  readonly objectLock?: ObjectLockOptions;
  /** @default - no transition: recordings stay in S3 Standard */
  readonly coldStorage?: ColdStorageOptions;
  /** Incomplete multipart uploads (abandoned copies) are aborted after this. @default Duration.days(7) */
  readonly abortIncompleteUploadsAfter?: Duration;
  /**
   * Overwritten or deleted recordings stay recoverable as noncurrent versions for this long.
   * @default Duration.days(90)
   */
  readonly noncurrentVersionRetention?: Duration;
  /** @default Duration.days(365) */
  readonly accessLogRetention?: Duration;
  /** Applies to the bucket and the table; the archive must outlive the stack. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** @default true */
  readonly tableDeletionProtection?: boolean;
}

export class ArchiveStorage extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: ArchiveStorageProps = {}) {
    super(scope, id);
    // Deliver access logs through a bucket policy rather than the legacy LogDeliveryWrite ACL, which
    // new buckets (BucketOwnerEnforced) reject. Set on this subtree so it holds whatever feature
    // flags the customer's app has; must precede the children.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // S3 server access logging can only deliver into SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: props.accessLogRetention ?? Duration.days(365) }],
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server-access-log target of the archive bucket; logging it into itself would log its own log deliveries, forever.',
    });

    const lifecycleRules: s3.LifecycleRule[] = [
      {
        id: 'abort-incomplete-multipart-uploads',
        abortIncompleteMultipartUploadAfter: props.abortIncompleteUploadsAfter ?? Duration.days(7),
      },
      {
        id: 'expire-noncurrent-versions',
        noncurrentVersionExpiration: props.noncurrentVersionRetention ?? Duration.days(90),
      },
    ];
    if (props.coldStorage) {
      lifecycleRules.push({
        id: 'move-to-cold-storage',
        transitions: [
          {
            storageClass: props.coldStorage.storageClass ?? s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
            transitionAfter: props.coldStorage.transitionAfter,
          },
        ],
      });
    }

    this.bucket = new s3.Bucket(this, 'Recordings', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'recordings-bucket/',
      lifecycleRules,
      removalPolicy,
      ...(props.objectLock ? objectLockProps(props.objectLock) : {}),
    });

    const stringAttribute = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: stringAttribute(TABLE_PARTITION_KEY),
      sortKey: stringAttribute(TABLE_SORT_KEY),
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.tableDeletionProtection ?? true,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      removalPolicy,
      globalSecondaryIndexes: Object.values(ARCHIVE_INDEXES).map((index) => ({
        indexName: index.indexName,
        partitionKey: stringAttribute(index.partitionKey),
        sortKey: stringAttribute(index.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      })),
    });
  }

  /** ARNs of every secondary index, listed one by one so grants need no `index/*` wildcard. */
  get indexArns(): string[] {
    return Object.values(ARCHIVE_INDEXES).map((index) => `${this.table.tableArn}/index/${index.indexName}`);
  }
}

function objectLockProps(lock: ObjectLockOptions): Pick<s3.BucketProps, 'objectLockEnabled' | 'objectLockDefaultRetention'> {
  if (lock.mode !== 'GOVERNANCE' && lock.mode !== 'COMPLIANCE') throw new Error(`objectLock.mode must be 'GOVERNANCE' or 'COMPLIANCE', got ${String(lock.mode)}`);
  if (!Number.isInteger(lock.days) || lock.days < 1 || lock.days > 36_500) throw new Error(`objectLock.days must be a whole number from 1 to 36500, got ${lock.days}`);
  const retention = lock.mode === 'COMPLIANCE' ? s3.ObjectLockRetention.compliance(Duration.days(lock.days)) : s3.ObjectLockRetention.governance(Duration.days(lock.days));
  return { objectLockEnabled: true, objectLockDefaultRetention: retention };
}
