/** A refused request to the devchain; `status` is the HTTP status the control API answers with. */
export class DevChainError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
    this.name = 'DevChainError';
  }
}
