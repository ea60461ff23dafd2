import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../ml/backend';
import { sparseMatMul } from '../ml/sparse';
async function main(){const be = await initBackend(process.argv[2] as any);
console.log('backend', be);
const N=4096, D=4096, H=128, K=250, R=512;
const rowptr=new Int32Array(N+2); const idx=new Int32Array(N*K); const val=new Float32Array(N*K);
for(let r=0;r<N;r++){rowptr[r+1]=(r+1)*K; for(let k=0;k<K;k++){idx[r*K+k]=Math.floor(Math.random()*D); val[r*K+k]=Math.random()-0.5;}}
rowptr[N+1]=rowptr[N]!;
const csr={rowptr:tf.tensor1d(rowptr,'int32'),idx:tf.tensor1d(idx,'int32'),val:tf.tensor1d(val),nRows:N,nCols:D};
const ids=new Int32Array(R).map(()=>Math.floor(Math.random()*N)); ids[3]=N;
const rowIds=tf.tensor1d(ids,'int32');
const W=tf.variable(tf.randomNormal([D,H]));
// dense reference
const X=new Float32Array(R*D); for(let r=0;r<R;r++){const g=ids[r]!; for(let k=rowptr[g]!;k<rowptr[g+1]!;k++) X[r*D+idx[k]!]+=val[k]!;}
const Xt=tf.tensor2d(X,[R,D]);
const dyT=tf.randomNormal([R,H]);
const a=sparseMatMul(csr,rowIds,W); const b=tf.matMul(Xt,W);
console.log('fwd maxdiff', tf.max(tf.abs(a.sub(b))).dataSync()[0], tf.max(tf.abs(b)).dataSync()[0]);
const g1=tf.grad((w:tf.Tensor)=>sparseMatMul(csr,rowIds,w as tf.Tensor2D).mul(dyT).sum())(W);
const g2=tf.matMul(tf.transpose(Xt),dyT);
console.log('grad maxdiff', tf.max(tf.abs(g1.sub(g2))).dataSync()[0], tf.max(tf.abs(g2)).dataSync()[0]);
for(let i=0;i<3;i++){tf.tidy(()=>sparseMatMul(csr,rowIds,W).dataSync());}
let t=performance.now(); for(let i=0;i<20;i++) tf.tidy(()=>{sparseMatMul(csr,rowIds,W).dataSync();}); console.log('fwd ms',(performance.now()-t)/20);
t=performance.now(); for(let i=0;i<20;i++) tf.tidy(()=>{tf.grad((w:tf.Tensor)=>sparseMatMul(csr,rowIds,w as tf.Tensor2D).mul(dyT).sum())(W).dataSync();}); console.log('fwd+bwd ms',(performance.now()-t)/20);
t=performance.now(); for(let i=0;i<10;i++) tf.tidy(()=>{tf.matMul(Xt,W).dataSync();}); console.log('dense fwd ms',(performance.now()-t)/10);
}
main();
