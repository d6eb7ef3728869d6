import { describeEveryErrorCode } from './error-codes.suite';
import { inMemoryApp } from './support';

describeEveryErrorCode(inMemoryApp);
