import { optimalRewards } from '../ml/theory';
for (const u of ['linear','log','inverse','logsigmoid'] as const) { const t=performance.now(); console.log(u, optimalRewards({utility:u,n:8}).map(x=>x.toFixed(4)).join(' '), (performance.now()-t).toFixed(0)+'ms'); }
for (const o of [0,0.25,0.5,0.75,1]) console.log('cond',o, optimalRewards({utility:'conditioned',n:8,openness:o}).map(x=>x.toFixed(4)).join(' '));
let t=performance.now(); console.log(optimalRewards({utility:'log',n:64}).slice(0,4), performance.now()-t);
console.log(optimalRewards({utility:'linear',n:7}));
console.log(optimalRewards({utility:'log',n:8, eps:0.1}));
