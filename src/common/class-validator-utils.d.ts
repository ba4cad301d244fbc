/** class-validator's message formatting (the package exports it only from this path, with its types elsewhere). */
declare module 'class-validator/cjs/validation/ValidationUtils.js' {
  export { ValidationUtils, constraintToString } from 'class-validator/types/validation/ValidationUtils.js';
}
