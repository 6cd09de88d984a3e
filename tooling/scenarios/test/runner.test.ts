import { kernelUnderTest } from '@os/test-kernels';
import { it } from 'vitest';
import { runScenario } from '../src/index.js';
const kernel = kernelUnderTest().factory;
it('explore', async () => {
  const run = await runScenario(`<scenario>
  <init_config>
    <config>
      <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> </parent-provides>
      <default caps="100" ram="1M"/>
      <report/>
      <start name="d">
        <binary name="dummy"/>
        <config> <log string="hello"/> <log string="world"/> <exit/> </config>
        <route> <any-service> <parent/> </any-service> </route>
        <exit propagate="yes"/>
      </start>
    </config>
  </init_config>
  <expect_exit value="0"/>
</scenario>`, 'explore.xml', { kernel });
  console.log(JSON.stringify(run, null, 1));
});
