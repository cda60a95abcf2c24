export interface Config {
  portal?: {
    signIn?: {
      /**
       * Sign-in page: `dev-user` (development only: pick any catalog user) or `github`.
       * @visibility frontend
       */
      provider?: 'dev-user' | 'github';
    };
  };
}
