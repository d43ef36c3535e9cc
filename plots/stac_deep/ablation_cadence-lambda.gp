# ablation_cadence-lambda.gp, written by notebooks/stac_deep.ipynb; data in ablation_cadence-lambda.dat.
set terminal pngcairo size 760,540 enhanced font "Helvetica,11" background rgb "white"
set output "ablation_cadence-lambda.png"
set termoption noenhanced
set grid
set key top left font ",9"
set format x "%.0s%c"
# A collapsed run's returns (about 5) would lie on the x axis: keep the curves off the frame.
set offsets 0, 0, graph 0.03, graph 0.06
set xlabel "environment steps"
set ylabel "greedy evaluation return (10 episodes)"
set multiplot layout 1,1 title "STAC ablation cadence-lambda\nreruns with cadence, λ = 500 (solid) against the same seed's runs they change (dashed)"
set title "hopper, DDPG, seed 2"
plot 'ablation_cadence-lambda.dat' index 0 using 1:2 with lines lw 2 dt 1 lc rgb '#d62728' title 'STDDPG-AL, rerun: cadence, λ = 500', 'ablation_cadence-lambda.dat' index 1 using 1:2 with lines lw 2 dt 2 lc rgb '#1f77b4' title 'DDPG, read against: cadence', 'ablation_cadence-lambda.dat' index 2 using 1:2 with lines lw 2 dt 2 lc rgb '#d62728' title 'STDDPG-AL, read against: cadence, λ = 500·exp(−t/1e5)'
unset multiplot
