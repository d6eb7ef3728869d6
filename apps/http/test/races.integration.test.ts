import { freshDatabase } from '@storefront/adapters/testing';
import { describeRacesOverHttp } from './races.suite';

describeRacesOverHttp('PostgreSQL', () => freshDatabase({ poolSize: 20 }));
