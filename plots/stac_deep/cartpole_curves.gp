# cartpole_curves.gp, written by notebooks/stac_deep.ipynb; data in cartpole_curves.dat.
set terminal pngcairo size 1000,600 enhanced font "Helvetica,11" background rgb "white"
set output "cartpole_curves.png"
set termoption noenhanced
set title "CartPole-v0: training batch return, mean over complete seeds (STAC Fig. 3a)"
set xlabel "environment steps"
set ylabel "mean episode return of the 4,000-step batch"
set grid
set key bottom right
set yrange [0:210]
set format x "%.1s%c"
plot 'cartpole_curves.dat' index 0 using 1:2 with lines lw 2 lc rgb '#1f77b4' dt 1 title 'ac_m1 (5 seeds)', 'cartpole_curves.dat' index 1 using 1:2 with lines lw 2 lc rgb '#d62728' dt 1 title 'stac_m1 (5 seeds)', 'cartpole_curves.dat' index 2 using 1:2 with lines lw 2 lc rgb '#2ca02c' dt 1 title 'scaled_m1 (5 seeds)', 'cartpole_curves.dat' index 3 using 1:2 with lines lw 2 lc rgb '#9467bd' dt 1 title 'stac_code_m1 (5 seeds)', 'cartpole_curves.dat' index 4 using 1:2 with lines lw 2 lc rgb '#1f77b4' dt 2 title 'ac_m80 (5 seeds)', 'cartpole_curves.dat' index 5 using 1:2 with lines lw 2 lc rgb '#d62728' dt 2 title 'stac_m80 (5 seeds)', 'cartpole_curves.dat' index 6 using 1:2 with lines lw 2 lc rgb '#2ca02c' dt 2 title 'scaled_m80 (5 seeds)', 'cartpole_curves.dat' index 7 using 1:2 with lines lw 2 lc rgb '#9467bd' dt 2 title 'stac_code_m80 (5 seeds)', 195 with lines dt 3 lc rgb '#555555' title 'return 195'
