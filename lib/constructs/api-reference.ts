import { CfnOutput } from 'aws-cdk-lib';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';

export interface ApiReferenceProps {
  /** The OpenAPI document on the deploying machine (the checkout's `docs/openapi.yaml`). */
  readonly documentPath: string;
}

/**
 * The API's contract, published with the stack: `cdk deploy` uploads the document, byte for byte,
 * as a file asset to the CDK bootstrap bucket of the account and region (an object named by the
 * hash of its content, so it is exactly the deployed version), and the `OpenApiDocument` output
 * names it. A file asset adds no resource to the template — no custom resource, function or bucket
 * (a `BucketDeployment` would add a Lambda function and its cdk-nag findings) — and synthesizes
 * offline. The document (about 100 KB) is far past what an output can hold (4 KB, the
 * CloudFormation quota), hence a link.
 */
export class ApiReference extends Construct {
  /** The uploaded document; `s3ObjectUrl` is `s3://<bootstrap bucket>/<content hash>.yaml`. */
  public readonly document: Asset;

  constructor(scope: Construct, id: string, props: ApiReferenceProps) {
    super(scope, id);
    this.document = new Asset(this, 'Document', { path: props.documentPath });
    new CfnOutput(this, 'OpenApiDocument', {
      key: 'OpenApiDocument',
      value: this.document.s3ObjectUrl,
      description:
        'The OpenAPI document of this deployment (fetch it with `aws s3 cp <this URL> openapi.yaml`; `npm start` renders it at /docs)',
    });
  }
}
