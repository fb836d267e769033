// Errors of the Simple API's login checks (same names as the SDK's).
class SimpleApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidSubscription extends SimpleApiError {}
export class InvalidAuthorization extends SimpleApiError {}
export class NoTenantIdError extends SimpleApiError {}
export class NoDomainNameError extends SimpleApiError {}
