// The archive API's JWT-mode settings and their defaults, without imports: the CDK stack (route
// scopes) and the settings parser read them as well as shared/query/caller.ts.

export interface JwtAuthorization {
  /** Scope that lets a caller read the recordings they hosted. */
  readonly readScope: string;
  /** Scope that lets a caller read the whole account. */
  readonly adminScope: string;
  /** Claim holding the caller's Tencent userid (the host id the archive indexes). */
  readonly userIdClaim: string;
}

export const DEFAULT_JWT_AUTHORIZATION: JwtAuthorization = { readScope: 'archive/read', adminScope: 'archive/admin', userIdClaim: 'tencent_userid' };
