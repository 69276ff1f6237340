import { LOCAL_SETTLING_SECONDS, localConfig } from '../../../local/local-config';

const endpoints = { sqs: 'http://127.0.0.1:9324', dynamoDb: 'http://127.0.0.1:8000', ses: 'http://127.0.0.1:8005' };

describe('localConfig', () => {
  it('settles resumes in 10 s in local mode (the contract), with the deployed flapping defaults', () => {
    expect(LOCAL_SETTLING_SECONDS).toBe(10);
    expect(localConfig(endpoints).pauses.settings.alerting).toEqual({
      settlingSeconds: 10,
      flappingEpisodes: 3,
      flappingWindowSeconds: 3600,
    });
  });

  it('lets the environment it is given (npm start, a test) set the alert settings', () => {
    const environment = {
      ALERT_SETTLING_SECONDS: '1',
      ALERT_FLAPPING_EPISODES: '1',
      ALERT_FLAPPING_WINDOW_SECONDS: '600',
    };
    expect(localConfig(endpoints, environment).pauses.settings.alerting).toEqual({
      settlingSeconds: 1,
      flappingEpisodes: 1,
      flappingWindowSeconds: 600,
    });
  });
});
