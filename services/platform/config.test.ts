import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('runs on the defaults', () => {
    const c = loadConfig({}, '/srv/casepipe');
    expect(c.kafka.brokers).toBeUndefined();
    expect(c.broker.port).toBe(19092);
    expect(c.dataDir).toBe('/srv/casepipe/.data');
  });

  it('reads a broker list', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'a:9092,b:9093' }).kafka.brokers).toEqual(['a:9092', 'b:9093']);
  });

  it('names the variable and what it expects', () => {
    expect(() => loadConfig({ KAFKA_BROKERS: 'localhost', CASEPIPE_BROKER_PORT: 'abc' })).toThrow(
      /KAFKA_BROKERS="localhost": a comma-separated list of host:port[\s\S]*CASEPIPE_BROKER_PORT="abc"/,
    );
  });

  it('asks for the SASL credentials the mechanism needs', () => {
    expect(() => loadConfig({ KAFKA_SASL_MECHANISM: 'plain' })).toThrow(/KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/);
  });
});
