// One HTTP API for both audiences: Tencent Meeting's webhook (authenticated by Tencent's own
// signature inside the handler, so no gateway auth) and the archive API (IAM/SigV4 by default,
// or a JWT authorizer when an issuer and audience are configured).
import { Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { WEBHOOK_PATH } from '../../shared/http/routes.ts';
import { DEFAULT_JWT_AUTHORIZATION, type JwtAuthorization } from '../../shared/query/auth-settings.ts';
import type { ArchiveFunction } from './node-function.ts';

const ARCHIVE_API_PATHS = ['/v1/{proxy+}', '/openapi.json'] as const;
const LEGAL_HOLD_PATH = '/v1/records/{meeting_record_id}/legal-hold';
/** The console's shell, script, style and sign-in config: public, so a browser can load them before signing in. */
export const CONSOLE_PATHS = ['/', '/console/{proxy+}'] as const;

/** The console's sign-in client at the JWT issuer (authorization code + PKCE, a public client). */
export interface ConsoleSignInOptions {
  /** The issuer's client id for the console. @default the first `audience` value */
  readonly clientId?: string;
  /** @default ['openid', readScope] */
  readonly scopes?: string[];
  /** @default - read from the issuer's /.well-known/openid-configuration */
  readonly authorizationEndpoint?: string;
  /** @default - read from the issuer's /.well-known/openid-configuration */
  readonly tokenEndpoint?: string;
}

export interface JwtAuthOptions {
  /** e.g. `https://cognito-idp.<region>.amazonaws.com/<pool id>` or your IdP's issuer URL. */
  readonly issuer: string;
  /** Accepted `aud` (or Cognito `client_id`) values. */
  readonly audience: string[];
  /**
   * Scope that reads the recordings the caller hosted (their Tencent userid in `userIdClaim`).
   * Every archive route requires this scope or `adminScope`.
   * @default 'archive/read'
   */
  readonly readScope?: string;
  /** Scope that reads the whole account. @default 'archive/admin' */
  readonly adminScope?: string;
  /** Claim holding the caller's Tencent userid. @default 'tencent_userid' */
  readonly userIdClaim?: string;
  /** How the archive console signs users in; its redirect URI is the API's base URL with `/`. */
  readonly console?: ConsoleSignInOptions;
}

/** The JWT options with their defaults filled in (shared/query/auth-settings.ts). */
export function jwtAuthorizationOf(jwt: JwtAuthOptions): JwtAuthorization {
  return {
    readScope: jwt.readScope ?? DEFAULT_JWT_AUTHORIZATION.readScope,
    adminScope: jwt.adminScope ?? DEFAULT_JWT_AUTHORIZATION.adminScope,
    userIdClaim: jwt.userIdClaim ?? DEFAULT_JWT_AUTHORIZATION.userIdClaim,
  };
}

export interface ArchiveHttpApiProps {
  readonly webhookFunction: ArchiveFunction;
  readonly queryFunction: ArchiveFunction;
  /** @default - IAM (SigV4) auth on the archive API */
  readonly jwt?: JwtAuthOptions;
  /** Steady-state requests per second for the whole stage. @default 50 */
  readonly throttleRateLimit?: number;
  /** @default 100 */
  readonly throttleBurstLimit?: number;
  readonly accessLogRetention: logs.RetentionDays;
}

export class ArchiveHttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogGroup: logs.LogGroup;
  /** Paste this into the Tencent Meeting event subscription. */
  readonly webhookUrl: string;
  /** Base URL of the Tencent-compatible archive API (append `records`, `corp/records`, …). */
  readonly archiveApiUrl: string;
  /** The archive console (JWT mode signs in there; the issuer's redirect URI). */
  readonly consoleUrl: string;
  readonly authMode: 'IAM' | 'JWT';

  constructor(scope: Construct, id: string, props: ArchiveHttpApiProps) {
    super(scope, id);
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'Tencent Meeting archive: webhook receiver and archive query API',
      // Our own stage below, because the implicit default stage cannot carry throttling or logs.
      createDefaultStage: false,
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention: props.accessLogRetention });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit ?? 50, burstLimit: props.throttleBurstLimit ?? 100 },
      // Route-level metrics, so the webhook's 4xx/5xx can alarm separately from API clients.
      detailedMetricsEnabled: true,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        // No query strings or headers: the webhook's GET carries check_str and the archive API
        // carries bearer tokens; `path` is the path only.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationStatus: '$context.integrationStatus',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            iamUser: '$context.identity.userArn',
            jwtSub: '$context.authorizer.claims.sub',
          }),
        ),
      },
    });

    const webhookIntegration = new HttpLambdaIntegration('Webhook', props.webhookFunction.function);
    const webhookRoutes = this.api.addRoutes({
      path: WEBHOOK_PATH,
      // ANY besides GET and POST: any other method reaches the function, which answers 405 with
      // Allow (API Gateway alone would answer 404, as if the URL were wrong).
      methods: [apigw.HttpMethod.GET, apigw.HttpMethod.POST, apigw.HttpMethod.ANY],
      integration: webhookIntegration,
      authorizer: new apigw.HttpNoneAuthorizer(),
    });
    for (const route of webhookRoutes) {
      Validations.of(route).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: "Tencent Meeting calls the webhook without AWS credentials or tokens; every request is authenticated in the handler by Tencent's signature (SHA1 over token, timestamp, nonce and body) and rejected before any side effect when it does not verify.",
    });
    }

    this.authMode = props.jwt ? 'JWT' : 'IAM';
    const authorizer = props.jwt
      ? new HttpJwtAuthorizer('ArchiveJwt', props.jwt.issuer, { jwtAudience: props.jwt.audience })
      : new HttpIamAuthorizer();
    const queryIntegration = new HttpLambdaIntegration('Query', props.queryFunction.function);
    for (const path of ARCHIVE_API_PATHS) {
      this.api.addRoutes({
        path,
        methods: [apigw.HttpMethod.GET],
        integration: queryIntegration,
        authorizer,
        // API Gateway lets a token through when it carries at least one of these; the query
        // function then decides what that caller sees (shared/query/caller.ts).
        ...(props.jwt ? { authorizationScopes: [jwtAuthorizationOf(props.jwt).readScope, jwtAuthorizationOf(props.jwt).adminScope] } : {}),
      });
    }

    // No authorizer: the shell and its assets hold no data (every recording is read through the
    // routes above, with the caller's token), and a browser must load them before it can sign in.
    for (const path of CONSOLE_PATHS) {
      for (const route of this.api.addRoutes({ path, methods: [apigw.HttpMethod.GET], integration: queryIntegration, authorizer: new apigw.HttpNoneAuthorizer() })) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: "The archive console's page shell, script, style and sign-in config: static, no archive data; the page reads recordings through the authorized /v1 routes with the user's JWT.",
        });
      }
    }

    // A legal hold changes what the archive may delete: account-wide callers only (JWT: the admin scope).
    this.api.addRoutes({
      path: LEGAL_HOLD_PATH,
      methods: [apigw.HttpMethod.PUT, apigw.HttpMethod.DELETE],
      integration: queryIntegration,
      authorizer,
      ...(props.jwt ? { authorizationScopes: [jwtAuthorizationOf(props.jwt).adminScope] } : {}),
    });

    const base = `https://${this.api.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`;
    this.webhookUrl = `${base}${WEBHOOK_PATH}`;
    this.archiveApiUrl = `${base}/v1/`;
    this.consoleUrl = `${base}/`;
  }

  /** A route-level API Gateway metric of the webhook's POST route (needs detailed metrics). */
  webhookMetric(metricName: '4xx' | '5xx' | 'Count', options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensionsMap: { ApiId: this.api.apiId, Stage: this.stage.stageName, Method: 'POST', Resource: WEBHOOK_PATH },
      statistic: cloudwatch.Stats.SUM,
      ...options,
    });
  }
}
