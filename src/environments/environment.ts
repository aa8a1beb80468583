/** Development build settings; the production build swaps in environment.prod.ts. */
export const environment = {
  production: false,
};
