import { describeEveryErrorCode } from './error-codes.suite';
import { postgresApp } from './postgres-support';

describeEveryErrorCode(postgresApp);
